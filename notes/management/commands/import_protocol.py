"""python manage.py import_protocol FILE... [--dry-run] [--into-published] — whole protocols
(PDF with a text layer, or plain text), each in one transaction, with a report of what was
found."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from notes.ingest.protocol_save import has_news, import_protocol, report_lines


class Command(BaseCommand):
    help = (
        "Import whole protocols (PDF with a text layer, or text): the meeting as a draft, its "
        "attendance, items, annotations and votes. A protocol that cannot be read saves "
        "nothing; importing one again changes nothing; an existing meeting is merged."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path, help="Protocol files (.pdf, .txt).")
        parser.add_argument(
            "--dry-run", action="store_true", help="Read and report everything, save nothing."
        )
        parser.add_argument(
            "--into-published",
            action="store_true",
            help="Add what is new to a meeting that is already published (it becomes public "
            "at once). Without it, such a protocol is refused and nothing is saved.",
        )

    def handle(self, *args, files, dry_run, into_published, **options):
        failed = 0
        for path in files:
            try:
                data = path.read_bytes()
            except OSError as error:
                self.stderr.write(self.style.ERROR(f"{path}: kan inte läsas: {error.strerror}"))
                failed += 1
                continue
            result = import_protocol(
                data, path.name, dry_run=dry_run, into_published=into_published
            )
            lines = report_lines(result)
            if result.ok:
                self.stdout.write("\n".join(lines))
                if dry_run:
                    verb = "sparas inte (provkörning, --dry-run)"
                elif not has_news(result):
                    verb = "inget nytt, ingenting ändrades"
                else:
                    verb = "sparat"
                self.stdout.write(self.style.SUCCESS(f"{path.name}: {verb}."))
            else:
                if result.meeting_published and has_news(result) and not into_published:
                    lines.append(
                        "  Kör igen med --into-published för att spara det ändå, eller "
                        "avpublicera sammanträdet, importera, granska och publicera igen."
                    )
                self.stderr.write(self.style.ERROR("\n".join(lines)))
                failed += 1
        if failed:
            raise CommandError(
                f"{failed} protocol(s) could not be imported; nothing of them was saved."
            )
