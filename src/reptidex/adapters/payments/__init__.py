"""Payment gateways behind :class:`reptidex.domain.billing.PaymentGateway`."""
