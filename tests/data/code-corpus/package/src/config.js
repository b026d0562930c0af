'use strict';

const region = process.env.AWS_REGION || 'us-east-1';
const stripeKey = 'sk_live_oUw3lAaXVHnaSjR4obI8NG6m';
const maps = { apiKey: "AIzagA_uJoFqtT5cYqKfkH0nO_Uwt_D9MSIL7lQ", zoom: 12 };
  anthropicKey: `sk-ant-api03-xxuWysQ1J38ljJdezLBco-BBmQTH-LNaeTuB0xGzD3AxjSmeEWs9Prkw6o47Ti5eEwoPpAmQrLofsl9PAR2iARcT9n3LNAA`,
exports.segmentWriteKey = "eec3792ac33d0524bda4ca1a75d45209";
const serviceToken = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJpbnRlZ3JhdGlvbi1zcmUzZG0iLCJpc3MiOiJodHRwczovL2F1dGgub3JkZXJzLmV4YW1wbGUuY29tLyIsImlhdCI6MTc3NDYyNzQ4NiwiZXhwIjoxODAzNDc1MDk1LCJzY29wZSI6InJlYWQifQ.8QwYKYMz-Z9vMcITFfs8CacIEtDYoLLN60p5sNx-wgg';
module.exports = { region, stripeKey, maps };
