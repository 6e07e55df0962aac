// Voice v2 with Bandwidth's Node SDK (npm bandwidth-sdk 8.1.4), unchanged, against the sandbox.
// node voice_flow.js BASE ACCOUNT USER PASSWORD HOOKS FROM APP_ID (NODE_PATH = its node_modules);
// prints one JSON line.
const { CallsApi, Configuration } = require("bandwidth-sdk");

const [base, account, username, password, hooks, from, applicationId] = process.argv.slice(2);

async function waitState(calls, callId, wanted) {
  const deadline = Date.now() + 10000;
  for (;;) {
    const { data } = await calls.getCallState(account, callId);
    if (data.state === wanted || Date.now() > deadline) return data;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function main() {
  const calls = new CallsApi(new Configuration({ username, password, basePath: base + "/api/v2" }));
  const created = await calls.createCall(account, {
    to: "+14155550199",
    from,
    applicationId,
    answerUrl: hooks + "/answer",
  });
  const callId = created.data.callId;
  const answered = await waitState(calls, callId, "answered");
  const redirected = await calls.updateCall(account, callId, { redirectUrl: hooks + "/redirect" });
  await new Promise((resolve) => setTimeout(resolve, 300)); // the redirect webhook first
  const bxml = '<?xml version="1.0" encoding="UTF-8"?><Bxml><SpeakSentence>hi</SpeakSentence><Pause duration="30"/></Bxml>';
  const replaced = await calls.updateCallBxml(account, callId, bxml);
  const completed = await calls.updateCall(account, callId, { state: "completed" });
  const ended = await waitState(calls, callId, "disconnected");
  let missing = null;
  try {
    await calls.getCallState(account, "c-unknown");
  } catch (error) {
    missing = { status: error.response.status, data: error.response.data };
  }
  console.log(
    JSON.stringify({
      createdStatus: created.status,
      location: created.headers.location,
      callId,
      callUrl: created.data.callUrl,
      answeredState: answered.state,
      redirectedStatus: redirected.status,
      replacedStatus: replaced.status,
      completedStatus: completed.status,
      endedState: ended.state,
      endedCause: ended.disconnectCause,
      missing,
    }),
  );
}

main().catch((error) => {
  console.error(error.response ? [error.response.status, error.response.data] : error);
  process.exit(1);
});
