console.log("SHOULD-NOT-RUN");
const x: number = "not a number";
console.log(x);
