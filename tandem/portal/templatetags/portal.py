"""Template filters for portal pages."""

from django import template

from tandem.portal.customer_status import customer_status, customer_status_css

register = template.Library()

register.filter("customer_status", customer_status)
register.filter("customer_status_css", customer_status_css)
