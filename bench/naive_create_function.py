"""An unpatched flow: create a role, then the function at once (no retry, no sleep).
Against AWS this fails while IAM propagates; the chaos proxy must make it fail the same way.

usage: python naive_create_function.py ENDPOINT LAB
prints the error code and message of CreateFunction, or "created".
"""

import io
import json
import sys
import zipfile

import boto3
import botocore.exceptions


def main():
    endpoint, lab = sys.argv[1], sys.argv[2]
    session = boto3.session.Session(
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name="us-east-1",
    )
    iam = session.client("iam", endpoint_url=endpoint)
    lam = session.client("lambda", endpoint_url=endpoint)
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
        RoleName=f"{lab}-role", AssumeRolePolicyDocument=json.dumps(trust)
    )["Role"]["Arn"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("lambda_function.py", "def lambda_handler(e, c):\n  return 1\n")
    try:
        lam.create_function(
            FunctionName=lab,
            Runtime="python3.13",
            Role=role_arn,
            Handler="lambda_function.lambda_handler",
            Code={"ZipFile": buffer.getvalue()},
        )
        print(json.dumps({"result": "created"}))
    except botocore.exceptions.ClientError as error:
        print(json.dumps({"result": "error", "code": error.response["Error"]["Code"],
                          "message": error.response["Error"]["Message"]}))


if __name__ == "__main__":
    main()
