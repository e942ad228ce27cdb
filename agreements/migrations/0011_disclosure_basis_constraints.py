from django.db import migrations, models


class Migration(migrations.Migration):
    # Apart from 0010, whose data migration marks the rows logged before: PostgreSQL will not
    # alter a table with the updates' trigger events still pending in the same transaction.
    dependencies = [("agreements", "0010_disclosure_basis")]

    operations = [
        migrations.AddIndex(
            model_name="disclosure",
            index=models.Index(
                condition=models.Q(("acknowledged_at__isnull", True)),
                fields=["record_code"],
                name="disclosure_unacknowledged",
            ),
        ),
        migrations.AddConstraint(
            model_name="disclosure",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("recorded_before_basis", True),
                    models.Q(
                        models.Q(("gateway", ""), _negated=True),
                        models.Q(("purpose", ""), _negated=True),
                    ),
                    _connector="OR",
                ),
                name="disclosure_has_gateway_and_purpose",
            ),
        ),
        migrations.AddConstraint(
            model_name="disclosure",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("recorded_before_basis", True),
                    models.Q(
                        ("direction", "to_school"),
                        ("gateway", "encompass"),
                        ("document__isnull", True),
                    ),
                    models.Q(
                        models.Q(("gateway", "encompass"), _negated=True),
                        ("disclosed_to__isnull", False),
                        ("document__isnull", False),
                        ("partnership__isnull", False),
                    ),
                    _connector="OR",
                ),
                name="disclosure_under_dsa_or_encompass",
            ),
        ),
        migrations.AddConstraint(
            model_name="disclosure",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("disclosed_by__isnull", False), ("disclosed_by_client__isnull", True)
                    ),
                    models.Q(
                        ("disclosed_by__isnull", True), ("disclosed_by_client__isnull", False)
                    ),
                    _connector="OR",
                ),
                name="disclosure_has_one_sender",
            ),
        ),
        migrations.AddConstraint(
            model_name="disclosure",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("acknowledged_at__isnull", True), ("acknowledged_by__isnull", True)),
                    models.Q(
                        ("acknowledged_at__isnull", False), ("acknowledged_by__isnull", False)
                    ),
                    _connector="OR",
                ),
                name="disclosure_acknowledged_by_someone",
            ),
        ),
    ]
