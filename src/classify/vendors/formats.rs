//! The table of vendor token formats, one entry a format: rule id, class, pattern, literal
//! prefixes, checksum, reason. Ordered: the first format that matches wins.

use super::{Check, VendorFormat};
use crate::classify::Class::{Config, Secret};

/// `"rule", Class, r"pattern", ["prefix", …], Check, "reason";` for each format.
macro_rules! formats {
    ($($rule:literal, $class:ident, $pattern:literal, [$($prefix:literal),*], $check:ident, $reason:literal;)*) => {
        pub const FORMATS: &[VendorFormat] = &[$(VendorFormat {
            rule: $rule,
            class: $class,
            pattern: $pattern,
            prefixes: &[$($prefix),*],
            check: Check::$check,
            reason: $reason,
        }),*];
    };
}

#[rustfmt::skip]
formats! {
    "aws-access-key-id", Secret, r"\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}\b", ["AKIA", "ASIA", "ABIA", "ACCA"], None,
        "value has the shape of an AWS access key id (AKIA/ASIA + 16 base32 characters)";
    "github-token", Secret, r"\bgh[pousr]_[A-Za-z0-9]{36}\b", ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"], Crc32Base62,
        "value has the shape of a GitHub token (gh?_ + 36 characters with a valid checksum)";
    "github-fine-grained-token", Secret, r"\bgithub_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}\b", ["github_pat_"], None,
        "value has the shape of a GitHub fine-grained personal access token (github_pat_ + 82 characters)";
    "gitlab-token", Secret, r"\bgl(?:pat|dt|rt|ptt|ft|soat|oas|cbt|imt|agent)-[A-Za-z0-9_-]{20,}", ["glpat-", "gldt-", "glrt-", "glptt-", "glft-", "glsoat-", "gloas-", "glcbt-", "glimt-", "glagent-"], None,
        "value has the shape of a GitLab token (glpat-/gldt-/glrt-… + 20 or more characters)";
    "slack-webhook", Secret, r"https://hooks\.slack\.com/(?:services|workflows|triggers)/T[A-Z0-9]{6,}/[A-Z0-9]{6,}/[A-Za-z0-9]{20,}", ["https://hooks.slack.com/"], None,
        "value is a Slack incoming-webhook URL, which lets anyone post to the channel";
    "slack-token", Secret, r"\b(?:xox[baprse]-[0-9]{6,}-[0-9A-Za-z-]{10,}|xapp-[0-9]-[A-Z0-9]{6,}-[0-9]{6,}-[a-z0-9]{32,})", ["xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-", "xoxe-", "xapp-"], None,
        "value has the shape of a Slack token (xoxb-/xoxp-/xapp- and numeric team and user ids)";
    "stripe-key", Secret, r"\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{20,}\b", ["sk_live_", "sk_test_", "rk_live_", "rk_test_"], None,
        "value has the shape of a Stripe secret or restricted key (sk_/rk_ + live/test + 20 or more characters)";
    "stripe-webhook-secret", Secret, r"\bwhsec_[A-Za-z0-9+/]{24,}", ["whsec_"], None,
        "value has the shape of a Stripe webhook signing secret (whsec_ + 24 or more characters)";
    "stripe-publishable-key", Config, r"^pk_(?:live|test)_[A-Za-z0-9]{20,}$", ["pk_live_", "pk_test_"], None,
        "value is a Stripe publishable key, which Stripe documents as safe to publish";
    "sendgrid-key", Secret, r"\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\b", ["SG."], None,
        "value has the shape of a SendGrid API key (SG. + 22 + . + 43 characters)";
    "twilio-account-sid", Config, r"^AC[0-9a-f]{32}$", ["AC"], None,
        "value is a Twilio Account SID (AC + 32 hex), an identifier rather than a credential";
    "twilio-api-key", Secret, r"^SK[0-9a-f]{32}$", ["SK"], None,
        "value has the shape of a Twilio API key (SK + 32 hex)";
    "google-api-key", Secret, r"\bAIza[0-9A-Za-z_-]{35}", ["AIza"], None,
        "value has the shape of a Google API key (AIza + 35 characters)";
    "azure-storage-connection-string", Secret, r"(?i)(?:AccountKey|SharedAccessKey)=[A-Za-z0-9+/]{40,}={0,2}", [], None,
        "value is an Azure connection string with an AccountKey or SharedAccessKey";
    "npm-token", Secret, r"\bnpm_[A-Za-z0-9]{36}\b", ["npm_"], Crc32Base62,
        "value has the shape of an npm access token (npm_ + 36 characters with a valid checksum)";
    "pypi-token", Secret, r"\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}", ["pypi-"], None,
        "value has the shape of a PyPI API token (pypi- + a macaroon issued by pypi.org)";
    "anthropic-key", Secret, r"\bsk-ant-(?:api|admin)[0-9]{2}-[A-Za-z0-9_-]{80,}", ["sk-ant-"], None,
        "value has the shape of an Anthropic API key (sk-ant-api03- or sk-ant-admin01- + 80 or more characters)";
    "openai-key", Secret, r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{16,}T3BlbkFJ[A-Za-z0-9_-]{16,}", ["sk-proj-", "sk-svcacct-", "sk-admin-", "sk-"], None,
        "value has the shape of an OpenAI API key (sk- with the T3BlbkFJ marker)";
    "huggingface-token", Secret, r"\bhf_[A-Za-z]{34}\b", ["hf_"], None,
        "value has the shape of a Hugging Face access token (hf_ + 34 letters)";
    "digitalocean-token", Secret, r"\bdo[por]_v1_[a-f0-9]{64}\b", ["dop_v1_", "doo_v1_", "dor_v1_"], None,
        "value has the shape of a DigitalOcean token (dop_v1_ + 64 hex)";
    "shopify-token", Secret, r"\bshp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}\b", ["shpat_", "shpca_", "shppa_", "shpss_"], None,
        "value has the shape of a Shopify access token (shpat_/shpss_… + 32 hex)";
    "vault-token", Secret, r"\bhv[sb]\.[A-Za-z0-9_-]{24,}", ["hvs.", "hvb."], None,
        "value has the shape of a HashiCorp Vault token (hvs./hvb. + 24 or more characters)";
    "telegram-bot-token", Secret, r"(?:^|bot|[^0-9A-Za-z])[0-9]{8,10}:AA[A-Za-z0-9_-]{33}(?:$|[^A-Za-z0-9_-])", [], None,
        "value has the shape of a Telegram bot token (numeric bot id, colon, AA + 33 characters), alone or in a bot API URL";
    "mailchimp-key", Secret, r"^[0-9a-f]{32}-us[0-9]{1,2}$", [], None,
        "value has the shape of a Mailchimp API key (32 hex + -us and a data-centre number)";
    "atlassian-api-token", Secret, r"\bATATT3[A-Za-z0-9_=-]{150,}", ["ATATT3"], None,
        "value has the shape of an Atlassian API token (ATATT3 + 150 or more characters)";
    "linear-api-key", Secret, r"\blin_api_[A-Za-z0-9]{40}\b", ["lin_api_"], None,
        "value has the shape of a Linear API key (lin_api_ + 40 characters)";
    "notion-token", Secret, r"\b(?:ntn_[0-9]{11}[A-Za-z0-9]{35}|secret_[A-Za-z0-9]{43})\b", ["ntn_", "secret_"], None,
        "value has the shape of a Notion integration token (ntn_ + 46, or secret_ + 43 characters)";
    "postman-api-key", Secret, r"\bPMAK-[a-f0-9]{24}-[a-f0-9]{34}\b", ["PMAK-"], None,
        "value has the shape of a Postman API key (PMAK- + 24 hex - 34 hex)";
    "doppler-token", Secret, r"\bdp\.(?:st|pt|ct|sa|scim|audit)\.[A-Za-z0-9_.-]{40,}", ["dp."], None,
        "value has the shape of a Doppler token (dp.st./dp.pt./dp.sa.… + 40 or more characters)";
    "databricks-token", Secret, r"\bdapi[a-f0-9]{32}(?:-[0-9])?\b", ["dapi"], None,
        "value has the shape of a Databricks personal access token (dapi + 32 hex)";
    "grafana-token", Secret, r"\b(?:glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}|glc_[A-Za-z0-9+/]{32,}={0,2})", ["glsa_", "glc_"], None,
        "value has the shape of a Grafana service-account or Cloud token (glsa_/glc_ + 32 or more characters)";
    "new-relic-key", Secret, r"\bNR(?:AK|II|JS)-[A-Za-z0-9]{27}\b", ["NRAK-", "NRII-", "NRJS-"], None,
        "value has the shape of a New Relic user or ingest key (NRAK-/NRII- + 27 characters)";
    "dynatrace-token", Secret, r"\bdt0[a-z][0-9]{2}\.[A-Z0-9]{24}\.[A-Z0-9]{64}\b", ["dt0"], None,
        "value has the shape of a Dynatrace token (dt0c01. + 24 + . + 64 characters)";
    "planetscale-token", Secret, r"\bpscale_(?:tkn|pw|oauth)_[A-Za-z0-9_.-]{32,64}", ["pscale_"], None,
        "value has the shape of a PlanetScale token or password (pscale_tkn_/pscale_pw_ + 32 or more characters)";
    "supabase-token", Secret, r"\bsbp_[a-f0-9]{40}\b", ["sbp_"], None,
        "value has the shape of a Supabase access token (sbp_ + 40 hex)";
    "sentry-token", Secret, r"\bsntry[us]_[A-Za-z0-9_=+/]{40,}", ["sntryu_", "sntrys_"], None,
        "value has the shape of a Sentry auth token (sntryu_/sntrys_ + 40 or more characters)";
    "pulumi-token", Secret, r"\bpul-[a-f0-9]{40}\b", ["pul-"], None,
        "value has the shape of a Pulumi access token (pul- + 40 hex)";
    "terraform-cloud-token", Secret, r"\b[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_=-]{60,70}", [], None,
        "value has the shape of a Terraform Cloud token (14 characters, .atlasv1., 60 or more characters)";
    "square-token", Secret, r"\b(?:EAAA[A-Za-z0-9_-]{60}|sq0(?:atp|csp)-[A-Za-z0-9_-]{22,43})\b", ["EAAA", "sq0atp-", "sq0csp-"], None,
        "value has the shape of a Square access token or secret (EAAA + 60, sq0atp-/sq0csp- + 22 or more characters)";
    "mailgun-key", Secret, r"\bkey-[a-f0-9]{32}\b", ["key-"], None,
        "value has the shape of a Mailgun API key (key- + 32 hex)";
    "mapbox-secret-token", Secret, r"\bsk\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{20,}", ["sk.eyJ"], None,
        "value has the shape of a Mapbox secret token (sk. + base64url JSON + . + 20 or more characters)";
    "mapbox-public-token", Config, r"^pk\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{20,}$", ["pk.eyJ"], None,
        "value is a Mapbox public token (pk.), which Mapbox documents for use in browsers";
    "airtable-token", Secret, r"\bpat[A-Za-z0-9]{14}\.[a-f0-9]{64}\b", ["pat"], None,
        "value has the shape of an Airtable personal access token (pat + 14 + . + 64 hex)";
    "figma-token", Secret, r"\bfig[dou]_[A-Za-z0-9_-]{40,}", ["figd_", "figo_", "figu_"], None,
        "value has the shape of a Figma token (figd_ + 40 or more characters)";
    "buildkite-token", Secret, r"\bbku[ac]_[a-f0-9]{40}\b", ["bkua_", "bkuc_"], None,
        "value has the shape of a Buildkite API token (bkua_ + 40 hex)";
    "docker-hub-token", Secret, r"\bdckr_(?:pat|oat)_[A-Za-z0-9_-]{27,}", ["dckr_pat_", "dckr_oat_"], None,
        "value has the shape of a Docker Hub access token (dckr_pat_ + 27 or more characters)";
    "azure-ad-client-secret", Secret, r"(?:^|[^A-Za-z0-9_~.-])[A-Za-z0-9_~.]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34}(?:$|[^A-Za-z0-9_~.-])", [], None,
        "value has the shape of an Entra ID (Azure AD) client secret (3 characters, a digit, Q~, 31 to 34 characters)";
    "alibaba-access-key-id", Secret, r"\bLTAI[A-Za-z0-9]{20}\b", ["LTAI"], None,
        "value has the shape of an Alibaba Cloud AccessKey id (LTAI + 20 characters)";
    "groq-key", Secret, r"\bgsk_[A-Za-z0-9]{52}\b", ["gsk_"], None,
        "value has the shape of a Groq API key (gsk_ + 52 characters)";
    "replicate-token", Secret, r"\br8_[A-Za-z0-9]{37}\b", ["r8_"], None,
        "value has the shape of a Replicate API token (r8_ + 37 characters)";
    "perplexity-key", Secret, r"\bpplx-[A-Za-z0-9]{48}\b", ["pplx-"], None,
        "value has the shape of a Perplexity API key (pplx- + 48 characters)";
    "xai-key", Secret, r"\bxai-[A-Za-z0-9]{80}\b", ["xai-"], None,
        "value has the shape of an xAI API key (xai- + 80 characters)";
    "openrouter-key", Secret, r"\bsk-or-v1-[a-f0-9]{64}\b", ["sk-or-v1-"], None,
        "value has the shape of an OpenRouter API key (sk-or-v1- + 64 hex)";
    "facebook-token", Secret, r"\bEAA[A-Za-z0-9]{90,}", ["EAA"], None,
        "value has the shape of a Meta (Facebook) access token (EAA + 90 or more characters)";
    "launchdarkly-sdk-key", Secret, r"\bsdk-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", ["sdk-"], None,
        "value has the shape of a LaunchDarkly server-side SDK key (sdk- + a UUID)";
    "netlify-token", Secret, r"\bnf[pcou]_[A-Za-z0-9]{36,40}\b", ["nfp_", "nfc_", "nfo_", "nfu_"], None,
        "value has the shape of a Netlify access token (nfp_ + 36 to 40 characters)";
    "contentful-token", Secret, r"\bCFPAT-[A-Za-z0-9_-]{43}\b", ["CFPAT-"], None,
        "value has the shape of a Contentful management token (CFPAT- + 43 characters)";
    "firebase-server-key", Secret, r"\bAAAA[A-Za-z0-9_-]{7}:APA91b[A-Za-z0-9_-]{134}", ["AAAA"], None,
        "value has the shape of a Firebase Cloud Messaging server key (AAAA…:APA91b + 134 characters)";
    "posthog-personal-key", Secret, r"\bphx_[A-Za-z0-9]{43}\b", ["phx_"], None,
        "value has the shape of a PostHog personal API key (phx_ + 43 characters)";
    "posthog-project-key", Config, r"^phc_[A-Za-z0-9]{43}$", ["phc_"], None,
        "value is a PostHog project key (phc_), which PostHog documents as safe to publish";
    "braintree-token", Secret, r"access_token\$(?:production|sandbox)\$[0-9a-z]{16}\$[0-9a-f]{32}", ["access_token$"], None,
        "value has the shape of a Braintree access token (access_token$production$ + merchant id + 32 hex)";
    "heroku-token", Secret, r"\bHRKU-[A-Za-z0-9_-]{30,60}", ["HRKU-"], None,
        "value has the shape of a Heroku API key (HRKU- + 30 or more characters)";
    "age-secret-key", Secret, r"\bAGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}\b", ["AGE-SECRET-KEY-1"], None,
        "value has the shape of an age identity (AGE-SECRET-KEY-1 + 58 bech32 characters)";
    "revenuecat-public-key", Config, r"^(?:appl|goog|amzn|strp)_[A-Za-z0-9]{20,}$", ["appl_", "goog_", "amzn_", "strp_"], None,
        "value is a RevenueCat public SDK key, which RevenueCat documents for use in apps";
}
