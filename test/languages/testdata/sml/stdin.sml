print (TextIO.inputAll TextIO.stdIn);
