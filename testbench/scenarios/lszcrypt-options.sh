# lszcrypt's selections and forms (zconf/zcrypt/lszcrypt.c of the release): device ids as a
# bare card number, a card, a queue, ".DDDD" (every card's queue DDDD); the mode filters
# --accelonly/--ccaonly/--ep11only; --cardonly/--queueonly; -d (domains); --help; and the
# errors for ids that do not exist or do not parse.  The variant runs s390-tools 2.43 on the
# same Linux 6.1.
#  * `lszcrypt .0047` in 2.25 (2.21 ... 2.26): after the matching queues the tool reads past
#    its arguments into its environment (the card loop reuses the argument index; fixed in
#    2.27.0, c142bb06), prints "Invalid adpater id!" for strings that are no id, and fails at
#    the first that parses as ".DDDD" (here LANG=C.UTF-8: domain 0x0a).  What it prints
#    depends on the environment; apsim's is root's login environment (Session::
#    login_environment).  2.43 lists the queues and exits 0.
#  * a card id that does not parse as hex ("5.zz" reads as card 5) or is too large is taken
#    as sscanf("%x.%x") takes it.
# apsim: --lpar lszcrypt-options.json
# apsim-variant: tools243 --s390-tools 2.43
lszcrypt
lszcrypt 5
lszcrypt 0x0a 06.0047
lszcrypt .0047
echo $?
lszcrypt --accelonly
lszcrypt --ccaonly --cardonly
lszcrypt --ep11only --queueonly
lszcrypt -V --cardonly
lszcrypt -d
lszcrypt 7
lszcrypt 5.zz
lszcrypt 300
lszcrypt --help
