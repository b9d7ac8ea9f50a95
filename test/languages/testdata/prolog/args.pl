:- initialization(main, main).

main :-
    current_prolog_flag(argv, Args),
    atomic_list_concat(Args, ' ', Line),
    writeln(Line).
