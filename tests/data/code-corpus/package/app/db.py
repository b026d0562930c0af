from sqlalchemy import create_engine

engine = create_engine("postgresql://root:%uXM+8grHo649BgT?a8f@catalog-qa.cluster-xcmupyrm3dkf.us-west-2.rds.amazonaws.com:5432/reporting?sslmode=require")
REDIS = "rediss://:YDyrccrSlEt0G9b1dgF5GWxRwZUyN5iF@master.notifications-live.o7s41r.ap-1.cache.amazonaws.com:6379/0"
client = MongoClient("mongodb+srv://svc_users:bTER0wxS9RTo4FNk@checkout-dev.61oe1.mongodb.net/webhooks?retryWrites=true&w=majority")
BROKER_URL = 'amqp://root:VIsJT4Fmq6Sm2aNESTHm@b-98b0ed15-9161-c34a-29cf-af51789fa465-1.mq.ap-northeast-1.amazonaws.com:5671/vhost'


def session():
    return engine.connect()
