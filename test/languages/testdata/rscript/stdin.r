input <- file("stdin", "rb")
data <- readBin(input, "raw", 1e6)
close(input)
cat(rawToChar(data))
