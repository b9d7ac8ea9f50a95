import std/os, std/strutils

echo commandLineParams().join(" ")
