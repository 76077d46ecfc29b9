#ifndef VITALS_APP_H
#define VITALS_APP_H
int app_main(int argc, char **argv);
#endif
