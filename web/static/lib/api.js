// The REST API (/api/v1, JSON; errors as {"error": {"code", "message"}}), for every page.

/** An API call that failed: `code` is machine-readable, `message` is for people (zh / en). */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message || code);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
  }
}

/** Turn a failed response's body (parsed JSON or null) into an ApiError. */
export function errorFrom(status, data) {
  const error = data && typeof data === "object" ? data.error : null;
  const code = (error && typeof error.code === "string" && error.code) || (status === 0 ? "network" : "error");
  const message = (error && typeof error.message === "string" && error.message) || code;
  return new ApiError(status, code, message);
}

/**
 * A client: api.get("/me"), api.post("/cases", body), api.request(method, path, body, {raw}).
 * JSON answers are parsed; `raw: true` (or a non-JSON answer) gives the Response itself.
 * Options: token() returns the bearer token or null; onUnauthorized(error) runs on a 401
 * (the session ended) before the error is thrown; fetch for tests.
 */
export function createApi({ base = "/api/v1", token = () => null, onUnauthorized = null, fetch = globalThis.fetch } = {}) {
  async function request(method, path, body, { raw = false } = {}) {
    const headers = {};
    const bearer = token();
    if (bearer) headers.Authorization = `Bearer ${bearer}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch(`${base}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: "no-store",
      });
    } catch (err) {
      throw new ApiError(0, "network", String(err && err.message ? err.message : err));
    }
    const json = (response.headers.get("content-type") || "").includes("json");
    if (!response.ok) {
      const error = errorFrom(response.status, json ? await response.json().catch(() => null) : null);
      if (response.status === 401 && onUnauthorized) onUnauthorized(error);
      throw error;
    }
    if (raw || !json) return response;
    return response.json();
  }
  return {
    request,
    get: (path, options) => request("GET", path, undefined, options),
    post: (path, body, options) => request("POST", path, body, options),
    put: (path, body, options) => request("PUT", path, body, options),
    del: (path, body, options) => request("DELETE", path, body, options),
  };
}
