package app

const (
	slackURL = "https://hooks.slack.com/services/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"
	storageKey = "RECFldvNtYk5xqxoT6Dtsz0AYd6PTBvvEuad0VzokeyLE8iiuQ3fVFvlsaXjSiX9YQxA8NI+9zF/i54fetjBhw=="
	simPin = "8864"
)
