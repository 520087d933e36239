from django.core.management.base import BaseCommand

from shop.demo.services import DEMO_PASSWORD, demo_load


class Command(BaseCommand):
    help = "Load the demo marketplace (two shops, ~30 products, staff, a shopper). Safe to rerun."

    def handle(self, *args: object, **options: object) -> None:
        summary = demo_load()
        self.stdout.write(self.style.SUCCESS(summary.describe()))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for email, role in summary.logins:
            self.stdout.write(f"  {email:<34} {role}")
