echo "SHOULD-NOT-RUN"
let x: int = "not an int"
echo x
