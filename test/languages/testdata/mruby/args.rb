puts ARGV.join(" ")
