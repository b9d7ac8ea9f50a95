let () =
  print_endline "SHOULD-NOT-RUN";
  let x : int = "not an int" in
  print_int x
