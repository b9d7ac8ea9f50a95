:- initialization(main).

main :- get_char(C), echo(C).

echo(end_of_file) :- !.
echo(C) :- put_char(C), get_char(Next), echo(Next).
