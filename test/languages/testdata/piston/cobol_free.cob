*> Free format, as Piston compiles COBOL (cobc -free): code from column 1.
identification division.
program-id. ok-test.

procedure division.
display "OK"
goback.
end program ok-test.
