:- initialization(main, main).

main :-
    halt(3).
