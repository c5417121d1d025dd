# Run by `make run` inside `odoo-bin shell`: enable the Demo provider so the flow works
# offline, and Stripe in test mode when its keys are in the environment.
import os

demo = env.ref("payment.payment_provider_demo")
demo.write({"state": "test", "is_published": True})
stripe = env.ref("payment.payment_provider_stripe")
keys = {
    "stripe_secret_key": os.environ.get("STRIPE_SECRET_KEY"),
    "stripe_publishable_key": os.environ.get("STRIPE_PUBLISHABLE_KEY"),
    "stripe_webhook_secret": os.environ.get("STRIPE_WEBHOOK_SECRET"),
}
if keys["stripe_secret_key"] and keys["stripe_publishable_key"]:
    stripe.write({**keys, "state": "test", "is_published": True})
    print("Stripe enabled in test mode.")
env.cr.commit()
