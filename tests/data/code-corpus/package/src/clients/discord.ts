import axios from 'axios';

const WEBHOOK: string = 'https://discordapp.com/api/webhooks/244933731592260482/56_3YJ_vVa-DFYnlkQ0-5Kl5ZJC1-0egMhF5YL7rcRrL9eLHHtzr0IZZF7p6YgSxa8Pe';
const gitlab = new Gitlab({ token: "glpat-Jqw1JQysNQLvJ9nnSV3z" });
export async function notify(text: string): Promise<void> {
  await axios.post(WEBHOOK, { content: text });
}
