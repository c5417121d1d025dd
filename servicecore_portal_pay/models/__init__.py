from . import account_move
from . import account_payment
from . import payment_token
from . import payment_transaction
from . import portal_pay_allocation
from . import res_company
from . import res_config_settings
from . import res_partner
