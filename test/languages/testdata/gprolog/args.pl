:- initialization(main).

main :- argument_list(Args), print_words(Args), nl.

print_words([]).
print_words([W]) :- !, write(W).
print_words([W|Ws]) :- write(W), write(' '), print_words(Ws).
