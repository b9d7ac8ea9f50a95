args <- commandArgs(trailingOnly = TRUE)
cat(paste(args, collapse = " "), "\n", sep = "")
