// Share links: the whole program in the URL's fragment, which browsers
// never send to the server, so nothing is stored anywhere. "#z" + base64url
// of the deflated JSON, or "#p" + base64url of the JSON where the browser
// has no CompressionStream.

function toBase64url(bytes) {
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64url(text) {
  const bin = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

async function pipe(bytes, stream) {
  const out = new Response(new Blob([bytes]).stream().pipeThrough(stream));
  return new Uint8Array(await out.arrayBuffer());
}

// encode returns the fragment (with its "#") holding program.
export async function encode(program) {
  const json = new TextEncoder().encode(JSON.stringify(program));
  if (typeof CompressionStream === "function") {
    return "#z" + toBase64url(await pipe(json, new CompressionStream("deflate-raw")));
  }
  return "#p" + toBase64url(json);
}

// decode returns the program of a fragment, or null when it holds none
// (or a broken one: a link cut short by a chat program, say).
export async function decode(hash) {
  try {
    const kind = hash.slice(1, 2), data = hash.slice(2);
    let json;
    if (kind === "z" && typeof DecompressionStream === "function") {
      json = await pipe(fromBase64url(data), new DecompressionStream("deflate-raw"));
    } else if (kind === "p") {
      json = fromBase64url(data);
    } else {
      return null;
    }
    const program = JSON.parse(new TextDecoder().decode(json));
    return program && typeof program === "object" && !Array.isArray(program) ? program : null;
  } catch {
    return null;
  }
}
