$*OUT.write($*IN.slurp(:bin));
