from . import payment
from . import portal
from . import receipt
from . import stripe
