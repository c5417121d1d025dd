# Scope of the HMAC that binds a payment page to its partner, amount and currency, so a token
# minted here can never authorize another route (and the other way round).
ACCESS_TOKEN_SCOPE = "servicecore_portal_pay"

# Seconds a payment form's issue time may lie ahead of this server's clock (servers behind one load
# balancer whose clocks differ slightly); a form from further ahead is refused as expired.
FORM_CLOCK_SKEW = 60

# The payment form parameters the transaction route accepts (DESIGN.md §4); anything else is
# refused before any record is created.
TRANSACTION_ROUTE_KEYS = frozenset(
    {
        "provider_id",
        "payment_method_id",
        "token_id",
        "amount",
        "flow",
        "tokenization_requested",
        "landing_route",
        "is_validation",
        "access_token",
        "csrf_token",
    }
)

# The billing details of a payment form are posted to their own route first (the transaction
# route keeps the standard parameters only), with the form's access token; they are kept for the
# transaction the form creates.
BILLING_ROUTE = "/my/payment/billing"
BILLING_ROUTE_KEYS = frozenset({"access_token", "amount", "billing_details"})

# The billing details a payer may correct for one payment, with their longest accepted length.
BILLING_FIELD_SIZES = {
    "name": 128,
    "email": 254,
    "phone": 32,
    "street": 128,
    "street2": 128,
    "city": 64,
    "zip": 20,
}

# Where the payment flow brings the customer back; the transaction id is appended.
CONFIRMATION_ROUTE = "/my/payment/confirmation"
# Where a payment form page asks, when the browser shows it again (Back), whether its form was
# already used; it then goes to that payment's page instead of offering a dead form.
FORM_STATE_ROUTE = "/my/payment/form_state"
# How long Odoo's status page keeps polling a Make a Payment transaction that is not final
# (pending, not confirmed yet) before it hands over to the pending page, which explains it.
PENDING_WAIT_SECONDS = 15
PAGE_ROUTE = "/my/payment"
TRANSACTION_ROUTE = "/my/payment/transaction"
HISTORY_ROUTE = "/my/payments"
STATEMENT_ROUTE = "/my/payment/statement"
STATEMENT_REPORT = "servicecore_portal_pay.action_report_portal_pay_statement"

# Prefix of the transaction references ("ACCT-20261125-00001"-like via Odoo's sequence logic).
REFERENCE_PREFIX = "ACCT"

# The PDF receipt of a portal payment (backend report and portal download).
RECEIPT_ROUTE = "/my/payment/receipt"
RECEIPT_REPORT = "servicecore_portal_pay.action_report_portal_pay_receipt"
# The sequence that makes each reference unique, even for payments created at the same instant.
REFERENCE_SEQUENCE_CODE = "servicecore_portal_pay.transaction"

# Stripe webhooks: how old a signed delivery may be. Stripe's own libraries allow 300 s (Odoo's
# controller allows 600 s); each delivery, retries included, is signed afresh, so an older
# timestamp is a replay or a skewed clock.
STRIPE_WEBHOOK_TOLERANCE = 300

# Recovery of account payments whose browser flow and webhook both went missing: a transaction
# still in draft or pending this many minutes after its last change is settled by asking Stripe
# for its PaymentIntent, for at most this many days (Odoo's own post-processing window).
STRIPE_RECOVERY_DELAY_MINUTES = 15
STRIPE_RECOVERY_WINDOW_DAYS = 4

# Open items listed on Make a Payment before a "show all" link: a commercial customer can have
# thousands; the figures and the allocation always cover all of them.
PAGE_ITEMS_LIMIT = 50

# Keys (first halves) of the PostgreSQL advisory locks that serialize the throttling counts of one
# contact and of one client IP address (models/portal_pay_attempt.py); arbitrary, unique to this
# module.
THROTTLE_LOCK_PARTNER = 0x5C50
THROTTLE_LOCK_IP = 0x5C51

# Key (first half) of the advisory lock that serializes the bookings of one customer's Make a
# Payment transactions (models/payment_transaction.py); the second half is the customer's id.
BOOKING_LOCK = 0x5C52
# How long a status poll waits for the customer's turn to book (other payments of the customer
# being booked), and for each row lock once it has it; past that it answers "retry" and frees its
# worker (the poll is repeated, the cron books it anyway).
BOOKING_WAIT_SECONDS = 20
BOOKING_LOCK_TIMEOUT = "5s"

# Key (first half) of the advisory lock that serializes the posts of one payment form
# (controllers/payment.py); the second half is a hash of the form's nonce.
FORM_LOCK = 0x5C53

# A contact who may not pay asks the accounting team for the right to (POST, from the page that
# explains who pays); the page is shown instead of these routes.
PERMISSION_ROUTE = "/my/payment/permission"
