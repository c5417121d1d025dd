from . import portal_pay_apply_wizard
from . import portal_pay_apply_wizard_line
from . import portal_wizard_user
