import json
import os

import requests


def handler(event, context):
    conn = psycopg2.connect(host=HOST, user="app", password="qmYSG4RSAi9D1x~fE+S9E.WOmb1")
    token = os.environ.get("GITHUB_TOKEN", "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")
    headers = {"Authorization": "Bearer xoxb-932083363966-5176129508287-unPBNGXHggiH9x7B0whTcpTR"}
    requests.post("https://hooks.slack.com/services/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", json={"text": "done"})
    return {"statusCode": 200, "body": json.dumps({"ok": True})}
