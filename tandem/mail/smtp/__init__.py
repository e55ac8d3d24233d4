"""Receiving mail over SMTP: the aiosmtpd listener that `tandem serve` and `tandem smtpd` run."""
