// Prints, for the end of `npm test`, every failed vitest test (file, name, the first lines of its
// message) from the JSON reports given, so that the tail of a CI log names what failed and why.
// usage: node scripts/test-digest.cjs REPORT.json...
const fs = require("node:fs");
const path = require("node:path");

const MESSAGE_LINES = 6;

function firstLines(text) {
  return String(text)
    .split("\n")
    .filter((line) => line.trim() !== "")
    .slice(0, MESSAGE_LINES)
    .map((line) => `      ${line.slice(0, 240)}`)
    .join("\n");
}

for (const reportPath of process.argv.slice(2)) {
  if (!fs.existsSync(reportPath)) continue;
  let report;
  try {
    report = JSON.parse(fs.readFileSync(reportPath, "utf8"));
  } catch (error) {
    console.log(`  ${reportPath}: unreadable report (${error.message})`);
    continue;
  }
  for (const file of report.testResults ?? []) {
    const where = path.relative(process.cwd(), file.name ?? "?");
    const failed = (file.assertionResults ?? []).filter((test) => test.status === "failed");
    for (const test of failed) {
      console.log(`  FAIL ${where} > ${test.fullName ?? test.title}`);
      console.log(firstLines((test.failureMessages ?? []).join("\n")));
    }
    if (failed.length === 0 && file.status === "failed") {
      console.log(`  FAIL ${where} (the file failed outside its tests)`);
      console.log(firstLines(file.message ?? ""));
    }
  }
}
