// Messaging v2 with npm bandwidth-sdk 8.1.4, unchanged, against the v2 sandbox.
// Run: NODE_PATH=<cache>/node_modules node messaging_flow.js BASE ACCOUNT USER PASSWORD APP FROM TO
// Prints one JSON line.
"use strict";
const { Configuration, MessagesApi, MediaApi } = require("bandwidth-sdk");

async function main() {
	const [base, account, username, password, applicationId, from, to] = process.argv.slice(2, 9);
	const config = new Configuration({ username, password, basePath: base + "/api/v2" });
	const messages = new MessagesApi(config);
	const sent = [];
	let created;
	for (let i = 0; i < 3; i++) {
		created = await messages.createMessage(account, { applicationId, to: [to], from, text: "hi " + i });
		sent.push(created.data.id);
	}
	const result = { sent, createStatus: created.status, direction: created.data.direction };
	try {
		await messages.createMessage(account, { applicationId, to: [to], from: "+19995550000", text: "x" });
	} catch (error) {
		result.refused = { status: error.response.status, type: error.response.data.type };
	}
	const listed = [];
	let token;
	let pages = 0;
	for (;;) {
		const page = await messages.listMessages(
			account, undefined, from, undefined, undefined, undefined, undefined, undefined,
			undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined,
			undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined,
			undefined, token, 2,
		);
		pages += 1;
		listed.push(...page.data.messages.map((m) => m.messageId));
		token = page.data.pageInfo && page.data.pageInfo.nextPageToken;
		if (!token) break;
	}
	Object.assign(result, { listed, pages });

	const media = new MediaApi(config);
	const put = await media.uploadMedia(account, "a b/0/x.png", Buffer.from("png-bytes"), "image/png", "no-cache");
	const quirk = await media.uploadMedia(account, "x.bin", Buffer.from([0, 1, 2]));
	const got = await media.getMedia(account, "a b/0/x.png");
	const listedMedia = await media.listMedia(account);
	Object.assign(result, {
		putStatus: put.status,
		quirkStatus: quirk.status,
		got: got.data,
		gotType: got.headers["content-type"],
		media: listedMedia.data.map((m) => m.mediaName),
	});
	console.log(JSON.stringify(result));
}

main().catch((error) => {
	console.error(error && error.stack ? error.stack : error);
	process.exit(1);
});
