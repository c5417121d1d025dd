from . import portal_pay_statement
