import * as fs from "fs";

process.stdout.write(fs.readFileSync(0));
