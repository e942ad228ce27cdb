from django.core.management.base import BaseCommand

from incidents.services import attachment_orphans_remove


class Command(BaseCommand):
    help = "Remove stored attachment files that no attachment row names, once a day old."

    def handle(self, *args, **options):
        removed = attachment_orphans_remove()
        for path in removed:
            self.stdout.write(f"Removed {path}")
        self.stdout.write(f"{len(removed)} orphan attachment file(s) removed.")
