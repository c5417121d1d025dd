from . import account_payment
from . import portal_pay_allocation
from . import payment_transaction
from . import res_company
from . import res_config_settings
from . import res_partner
from . import account_move
