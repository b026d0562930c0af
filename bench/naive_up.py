"""The lab deployed the way a hand-written script does it: boto3, one call after another,
and the usual fixed sleep after creating the role so Lambda can assume it.

Used by `cargo bench --bench lab` as the baseline for `secretslab up`. Resources carry the
same tags as secretslab's, so `secretslab teardown` removes them afterwards.

usage: python naive_up.py ENDPOINT LAB [FIXED_SLEEP_SECONDS]
"""

import io
import json
import sys
import time
import zipfile

import boto3

HANDLER = "def lambda_handler(event, context):\n    return {}\n"


def main():
    endpoint, lab = sys.argv[1], sys.argv[2]
    fixed_sleep = float(sys.argv[3]) if len(sys.argv) > 3 else 10.0
    session = boto3.session.Session(
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name="us-east-1",
    )

    def client(name):
        return session.client(name, endpoint_url=endpoint)

    tags = [
        {"Key": "managed-by", "Value": "secretslab"},
        {"Key": "secretslab:lab", "Value": lab},
    ]
    account = client("sts").get_caller_identity()["Account"]
    sm = client("secretsmanager")
    password = sm.get_random_password(PasswordLength=32)["RandomPassword"]
    secret_arn = sm.create_secret(
        Name=f"{lab}/credentials",
        SecretString=json.dumps({"username": "lab-user", "password": password}),
        Tags=tags,
    )["ARN"]
    iam = client("iam")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    role_arn = iam.create_role(
        RoleName=f"{lab}-role",
        AssumeRolePolicyDocument=json.dumps(trust),
        Tags=tags,
    )["Role"]["Arn"]
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": [
                    "secretsmanager:GetSecretValue",
                    "secretsmanager:DescribeSecret",
                ],
                "Resource": secret_arn,
            }
        ],
    }
    policy_arn = iam.create_policy(
        PolicyName=f"{lab}-read-secret",
        PolicyDocument=json.dumps(policy),
        Tags=tags,
    )["Policy"]["Arn"]
    iam.attach_role_policy(RoleName=f"{lab}-role", PolicyArn=policy_arn)
    iam.attach_role_policy(
        RoleName=f"{lab}-role",
        PolicyArn="arn:aws:iam::aws:policy/service-role/"
        "AWSLambdaBasicExecutionRole",
    )
    logs = client("logs")
    logs.create_log_group(
        logGroupName=f"/aws/lambda/{lab}",
        tags={t["Key"]: t["Value"] for t in tags},
    )
    logs.put_retention_policy(logGroupName=f"/aws/lambda/{lab}", retentionInDays=3)
    # The classic workaround for IAM's eventual consistency.
    time.sleep(fixed_sleep)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("lambda_function.py", HANDLER)
    lam = client("lambda")
    lam.create_function(
        FunctionName=lab,
        Runtime="python3.13",
        Role=role_arn,
        Handler="lambda_function.lambda_handler",
        Code={"ZipFile": buffer.getvalue()},
        Layers=[
            "arn:aws:lambda:us-east-1:177933569100:layer:"
            "AWS-Parameters-and-Secrets-Lambda-Extension:24"
        ],
        Environment={"Variables": {"SECRET_ID": f"{lab}/credentials"}},
        Tags={t["Key"]: t["Value"] for t in tags},
    )
    lam.get_waiter("function_active_v2").wait(FunctionName=lab)
    print(json.dumps({"account": account, "function": lab}))


if __name__ == "__main__":
    main()
