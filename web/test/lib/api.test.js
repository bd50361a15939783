// The API client against a real HTTP server on localhost.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { after, before, test } from "node:test";
import { ApiError, createApi, errorFrom } from "../../static/lib/api.js";

let server;
let base;
const seen = [];

before(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      seen.push({ method: req.method, url: req.url, auth: req.headers.authorization, type: req.headers["content-type"], body });
      const json = (status, data) => {
        res.writeHead(status, { "Content-Type": "application/json" });
        res.end(JSON.stringify(data));
      };
      if (req.url === "/api/v1/me") return json(200, { name: "东城调解员" });
      if (req.url === "/api/v1/echo") return json(201, JSON.parse(body));
      if (req.url === "/api/v1/secret") return json(401, { error: { code: "token_expired", message: "登录已过期 / expired" } });
      if (req.url === "/api/v1/broken") {
        res.writeHead(502, { "Content-Type": "text/html" });
        return res.end("<h1>Bad Gateway</h1>");
      }
      if (req.url === "/api/v1/qr.png") {
        res.writeHead(200, { "Content-Type": "image/png" });
        return res.end(Buffer.from([0x89, 0x50]));
      }
      json(404, { error: { code: "not_found", message: "不存在 / not found" } });
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${server.address().port}/api/v1`;
});

after(() => server.close());

test("JSON in and out, with the bearer token", async () => {
  const api = createApi({ base, token: () => "tok" });
  assert.deepEqual(await api.get("/me"), { name: "东城调解员" });
  assert.deepEqual(await api.post("/echo", { to: "accepted" }), { to: "accepted" });
  const [get, post] = seen.slice(-2);
  assert.equal(get.auth, "Bearer tok");
  assert.equal(get.type, undefined); // no body, no content type
  assert.equal(post.type, "application/json");
  assert.equal(post.body, '{"to":"accepted"}');
});

test("no token, no Authorization header", async () => {
  await createApi({ base }).get("/me");
  assert.equal(seen.at(-1).auth, undefined);
});

test("errors carry the server's code and message", async () => {
  const api = createApi({ base });
  await assert.rejects(api.get("/nope"), (err) => err instanceof ApiError && err.status === 404 &&
    err.code === "not_found" && err.message === "不存在 / not found");
  await assert.rejects(api.get("/broken"), (err) => err.status === 502 && err.code === "error");
});

test("a 401 tells the page before the error is thrown", async () => {
  const told = [];
  const api = createApi({ base, onUnauthorized: (err) => told.push(err.code) });
  await assert.rejects(api.get("/secret"), { code: "token_expired" });
  assert.deepEqual(told, ["token_expired"]);
});

test("raw answers and non-JSON answers are the Response", async () => {
  const api = createApi({ base });
  const png = await api.get("/qr.png");
  assert.deepEqual([...new Uint8Array(await png.arrayBuffer())], [0x89, 0x50]);
  const raw = await api.get("/me", { raw: true });
  assert.deepEqual(await raw.json(), { name: "东城调解员" });
});

test("an unreachable server is a network error", async () => {
  const api = createApi({ base: "http://127.0.0.1:9/api/v1" });
  await assert.rejects(api.get("/me"), { code: "network", status: 0 });
});

test("errorFrom copes with any body", () => {
  assert.equal(errorFrom(500, null).code, "error");
  assert.equal(errorFrom(500, "text").code, "error");
  assert.equal(errorFrom(400, { error: { code: 7 } }).code, "error");
  assert.equal(errorFrom(0, null).code, "network");
  assert.equal(errorFrom(409, { error: { code: "conflict", message: "已修改" } }).message, "已修改");
});
