// ipx, the HTTP image server on sharp, as a peer of imgcache: listens on 127.0.0.1:<port>
// and fetches sources from <origin> over HTTP, a path under /o/ standing for one under the
// origin (`/fit_inside,s_150x150,q_75/o/photo.jpg`). ipx keeps no resized images, so
// every request is a miss.
const http = require("node:http");
const { createIPX, createIPXNodeServer, ipxHttpStorage } = require("ipx");

const [port, origin] = process.argv.slice(2);
const ipx = createIPX({
  httpStorage: ipxHttpStorage({ domains: [new URL(origin).hostname] }),
  alias: { "/o": origin },
});
http.createServer(createIPXNodeServer(ipx)).listen(Number(port), "127.0.0.1");
