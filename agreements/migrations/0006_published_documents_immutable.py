from django.db import migrations

# A published protocol or DSA version is what people signed: PostgreSQL itself refuses to
# change or delete it. Only a draft (published_at still null) may be edited or published.
FORBID = """
CREATE FUNCTION agreements_document_immutable() RETURNS trigger AS $$
BEGIN
    IF OLD.published_at IS NOT NULL THEN
        RAISE EXCEPTION 'a published document version cannot be changed';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER agreements_document_immutable
    BEFORE UPDATE OR DELETE ON agreements_document
    FOR EACH ROW EXECUTE FUNCTION agreements_document_immutable();
"""
ALLOW = """
DROP TRIGGER IF EXISTS agreements_document_immutable ON agreements_document;
DROP FUNCTION IF EXISTS agreements_document_immutable();
"""


def forbid(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORBID)


def allow(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ALLOW)


class Migration(migrations.Migration):
    dependencies = [("agreements", "0005_documents_signatures_appraisal")]
    operations = [migrations.RunPython(forbid, allow)]
