// sharp in-process, one image at a time, as a peer of imgcache's misses: reads jobs as
// JSON lines on stdin ({input, width, height, format, options, output}) and answers each
// with a JSON line {seconds, bytes, width, height}. Every job reads its input anew; the
// operation cache is off and libvips uses one thread per image, as imgcache does.
// Resizes like imgcache: EXIF orientation applied, fit inside the box, never enlarged,
// metadata stripped (sharp's default), all frames of a GIF kept.
const fs = require("node:fs");
const readline = require("node:readline");
const sharp = require("sharp");

sharp.cache(false);
sharp.concurrency(1);

async function run(job) {
  const start = process.hrtime.bigint();
  const input = fs.readFileSync(job.input);
  const { data, info } = await sharp(input, { animated: job.format === "gif" })
    .rotate()
    .resize(job.width, job.height, { fit: "inside", withoutEnlargement: true })
    .toFormat(job.format, job.options)
    .toBuffer({ resolveWithObject: true });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  fs.writeFileSync(job.output, data);
  return { seconds, bytes: data.length, width: info.width, height: info.pageHeight ?? info.height };
}

(async () => {
  for await (const line of readline.createInterface({ input: process.stdin })) {
    process.stdout.write(JSON.stringify(await run(JSON.parse(line))) + "\n");
  }
})();
