// The getting-started flow with Bandwidth's v1 Node SDK (node-bandwidth 4.0.0), unchanged.
// Run: NODE_PATH=<cache>/node_modules node node_flow.js BASE USER TOKEN SECRET; prints JSON.
"use strict";
const Bandwidth = require("node-bandwidth");

async function main() {
	const [baseUrl, userId, apiToken, apiSecret] = process.argv.slice(2, 6);
	const client = new Bandwidth({ userId, apiToken, apiSecret, baseUrl });
	const app = await client.Application.create({
		name: "node-sdk-app",
		incomingCallUrl: "http://127.0.0.1:9/calls",
		incomingMessageUrl: "http://127.0.0.1:9/messages",
	});
	const fetched = await client.Application.get(app.id);
	const found = await client.AvailableNumber.search("local", { state: "NC", quantity: 3 });
	const ordered = await client.AvailableNumber.searchAndOrder("local", { areaCode: "910", quantity: 1 });
	const numberId = ordered[0].id;
	await client.PhoneNumber.update(numberId, { applicationId: app.id });
	const number = await client.PhoneNumber.get(ordered[0].number);
	const sent = [];
	for (let i = 0; i < 3; i++) {
		sent.push((await client.Message.send({ from: ordered[0].number, to: "+14155550123", text: "hi " + i })).id);
	}
	const listed = [];
	let page = await client.Message.list({ size: 2, direction: "out" });
	listed.push(...page.messages.map((m) => m.id));
	while (page.hasNextPage) {
		page = await page.getNextPage();
		listed.push(...page.messages.map((m) => m.id));
	}
	const apps = await client.Application.list({ size: 1 });
	await client.PhoneNumber.delete(numberId);
	console.log(JSON.stringify({ app, fetched, found, ordered, number, sent, listed, appsFirstPage: apps.applications.length }));
}

main().catch((error) => {
	console.error(error && error.stack ? error.stack : error);
	process.exit(1);
});
