/**
 * A response's headers as a plain object with some set (a string) or removed (null). A plain
 * object because the server adapter sends a `Headers` built on another one from the original's
 * entries, so a header deleted from the copy would still go out.
 */
export function headersWith(response: Response, changes: Record<string, string | null>): Record<string, string> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name.toLowerCase()] = value; // names may come in any case
  });
  for (const [name, value] of Object.entries(changes)) {
    if (value === null) delete headers[name];
    else headers[name] = value;
  }
  return headers;
}
