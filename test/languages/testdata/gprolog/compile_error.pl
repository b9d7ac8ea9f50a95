:- initialization(main).

main :- write('SHOULD-NOT-RUN'), nl.

broken :- write('unterminated clause'
