# Scope of the HMAC that binds a payment page to its partner, amount and currency, so a token
# minted here can never authorize another route (and the other way round).
ACCESS_TOKEN_SCOPE = "servicecore_portal_pay"

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

# Where the payment flow brings the customer back; the transaction id is appended.
CONFIRMATION_ROUTE = "/my/payment/confirmation"
PAGE_ROUTE = "/my/payment"
TRANSACTION_ROUTE = "/my/payment/transaction"

# Prefix of the transaction references ("ACCT-20261125-0001"-like via Odoo's sequence logic).
REFERENCE_PREFIX = "ACCT"

# Open items listed on Make a Payment before a "show all" link: a commercial customer can have
# thousands; the figures and the allocation always cover all of them.
PAGE_ITEMS_LIMIT = 50
