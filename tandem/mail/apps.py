from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "tandem.mail"
    label = "mail"
    verbose_name = "Email channel"

    def ready(self):
        from tandem.mail.outbox.queueing import deliver_by_email
        from tandem.tickets import channels

        channels.register_deliverer(deliver_by_email)
