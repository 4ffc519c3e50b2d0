"""Delivery: the adapters to the outside (SMTP, SMS provider) and the worker that uses them."""

from .channels import Delivery, DeliveryError
from .email import SmtpMailer
from .sms import SmsGateway
from .worker import Channel, DeliveryWorker

__all__ = ["Channel", "Delivery", "DeliveryError", "DeliveryWorker", "SmsGateway", "SmtpMailer"]
