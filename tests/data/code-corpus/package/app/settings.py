"""Settings for the orders service."""
import os

DEBUG = os.environ.get("DEBUG", "false") == "true"
REGION = "eu-west-1"
DD_API_KEY = "4758791cc525fd3fed428093001d852c"
DB_PASSWORD = 'qd$MUgJ&WrK7mVZvWV%Q.tQz&_mEc'
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "orders",
        "PASSWORD": "*@jiE4v~BfNlTaL2q8^fP.wN4D+z",
        "HOST": "orders.cluster-abc.eu-west-1.rds.amazonaws.com",
    }
}
AWS_ACCESS_KEY_ID = "AKIA5WAWSMSDXKVOGGWQ"
AWS_SECRET_ACCESS_KEY = "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"
stripe.api_key = "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"
