package main

import "fmt"

func main() {
	fmt.Println("SHOULD-NOT-RUN")
	var x int = "not an int"
	fmt.Println(x)
}
